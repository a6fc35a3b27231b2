"""The Metadata API (`/api/metadata`, specs/molgenis_metadata.yaml): entity type metadata as
`MetadataApiController` renders it, over the same model and store as the REST APIs."""
