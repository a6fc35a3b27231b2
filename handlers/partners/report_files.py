"""Report files (G2 reports.md): the PDFs of an AVAILABLE report, downloadable from outside /api/v1 (C39)."""
from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from apitwin_apis.partners.common import absolute_url, listing, owned, public


def shape(row: dict[str, Any]) -> dict[str, Any]:
    out = public(row)
    out["download_link"] = absolute_url(f"/report-files/{row['id']}/download/")
    return out


async def list_report_files(token_info: dict[str, Any], report_id: int | None = None, page: int | None = None,
                            page_size: int | None = None) -> Any:
    filters = {"report": report_id} if report_id is not None else {}
    return listing("report_files", token_info, page, page_size, shape=shape, link_params={"report_id": report_id},
                   **filters)


async def get_report_file(report_file_id: int, token_info: dict[str, Any]) -> Any:
    return shape(owned("report_files", report_file_id, token_info, "report file"))


async def download_report_file(report_file_id: int, token_info: dict[str, Any]) -> ConnexionResponse:
    row = owned("report_files", report_file_id, token_info, "report file")
    report = owned("reports", row["report"], token_info, "report")
    title = f"Report {report['id']} - {row['category']} - file {row['id']}"
    return ConnexionResponse(
        status_code=200,
        content_type="application/pdf",
        body=pdf_document(title),
        headers={"Content-Disposition": f'attachment; filename="report-file-{row["id"]}.pdf"'},
    )


def pdf_document(text: str) -> bytes:
    """A small, valid one-page PDF showing `text` (so PDF viewers and parsers in client tests accept it)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
