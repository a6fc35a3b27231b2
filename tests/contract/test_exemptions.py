"""The contract suite's failure filters, on schemathesis' own failure objects."""
from __future__ import annotations

from schemathesis.openapi.checks import UseAfterFree

from apitwin.contract.exemptions import emptied_not_removed
from apitwin_apis.molgenis.contract import PROFILE as MOLGENIS


def use_after_free(label: str, free: str) -> UseAfterFree:
    return UseAfterFree(operation=label, message="still there", free=free, usage=f"GET {free.split(' ', 1)[1]}",
                        deleted_case_id="1")


def test_a_collection_delete_that_empties_is_not_a_use_after_free() -> None:
    """Regression: the filter compared the concrete request (`DELETE /api/v1/sys_FileMeta`) with the label."""
    assert emptied_not_removed(MOLGENIS, use_after_free("DELETE /{entityTypeId}", "DELETE /api/v1/sys_FileMeta"))


def test_a_row_delete_still_counts() -> None:
    assert not emptied_not_removed(MOLGENIS, use_after_free("DELETE /{entityTypeId}/{id}",
                                                            "DELETE /api/v1/V1_API_Items/ref1"))
