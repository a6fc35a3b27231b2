"""MOLGENIS REST API v2 (`RestControllerV2` of molgenis 10.2.4), served from the same runtime as v1: the same model,
rows, security and query core, with v2's own request binding (`attrs`, RSQL `q`, `sort`) and response shapes
(`_href`, references rendered inline, `_meta`). Spec: `specs/molgenis_v2.yaml`."""
