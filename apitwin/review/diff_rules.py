"""The diff rules: what `apitwin diff` classifies, each with its default level and the oasdiff check id(s) for the
same change (docs/spec-review.md has the table). Declared apart from the differ so the configuration can validate
rule ids without importing it."""
from __future__ import annotations

from apitwin.review.findings import DIFF_LEVELS
from apitwin.rulebook import Rulebook

DIFF_RULES: Rulebook = Rulebook("diff", DIFF_LEVELS)
_add = DIFF_RULES.add

# paths and operations
_add("path-removed", "breaking", "A path (all its operations) was removed.",
     oasdiff="api-path-removed-without-deprecation")
_add("path-removed-deprecated", "info", "A path whose operations were all deprecated was removed.",
     oasdiff="api-path-removed-with-deprecation")
_add("operation-removed", "breaking", "An operation (method on a path that still exists) was removed.",
     oasdiff="api-removed-without-deprecation")
_add("operation-removed-deprecated", "info", "A deprecated operation was removed.",
     oasdiff="api-removed-with-deprecation")
_add("operation-added", "non-breaking", "An operation was added.", oasdiff="endpoint-added")
_add("operation-id-changed", "breaking", "An operation was renamed (its operationId changed): generated clients lose "
     "the method.",
     oasdiff="api-operation-id-removed")
_add("operation-deprecated", "info", "An operation was marked deprecated.", oasdiff="endpoint-deprecated")
_add("description-changed", "info", "An operation's summary or description changed.", oasdiff="-")
# parameters
_add("parameter-removed", "breaking", "A parameter was removed (or renamed: removed plus added).",
     oasdiff="request-parameter-removed")
_add("parameter-added-required", "breaking", "A new required parameter: every existing call now fails.",
     oasdiff="new-required-request-parameter")
_add("parameter-added-optional", "non-breaking", "A new optional parameter.", oasdiff="new-optional-request-parameter")
_add("parameter-became-required", "breaking", "An optional parameter became required.",
     oasdiff="request-parameter-became-required")
_add("parameter-became-optional", "non-breaking", "A required parameter became optional.",
     oasdiff="request-parameter-became-optional")
# request bodies
_add("request-body-added-required", "breaking", "A required request body was added to an operation that had none.",
     oasdiff="request-body-added-required")
_add("request-body-became-required", "breaking", "An optional request body became required.",
     oasdiff="request-body-became-required")
_add("request-media-type-removed", "breaking", "A request content type is no longer accepted.",
     oasdiff="request-body-media-type-removed")
_add("request-media-type-added", "non-breaking", "A request content type is now accepted as well.",
     oasdiff="request-body-media-type-added")
_add("request-property-removed", "breaking", "A request field was removed (or renamed): clients still send it.",
     oasdiff="request-property-removed")
_add("request-property-added-required", "breaking", "A new required request field.",
     oasdiff="new-required-request-property")
_add("request-property-added-optional", "non-breaking", "A new optional request field.",
     oasdiff="new-optional-request-property")
_add("request-property-became-required", "breaking", "An optional request field became required.",
     oasdiff="request-property-became-required")
_add("request-property-became-optional", "non-breaking", "A required request field became optional.",
     oasdiff="request-property-became-optional")
_add("request-type-changed", "breaking", "A request value's type, format, nullability or variants were narrowed or "
     "changed.",
     oasdiff="request-parameter-type-changed, request-property-type-changed, request-body-type-changed, "
             "request-property-became-not-nullable")
_add("request-type-widened", "non-breaking", "A request value accepts more types or formats.",
     oasdiff="request-parameter-type-generalized, request-property-type-generalized, request-property-became-nullable")
_add("request-enum-narrowed", "breaking", "A request value lost enum values, or became an enum.",
     oasdiff="request-parameter-enum-value-removed, request-property-enum-value-removed, "
             "request-parameter-became-enum, request-property-became-enum")
_add("request-enum-widened", "non-breaking", "A request value accepts more enum values.",
     oasdiff="request-parameter-enum-value-added, request-property-enum-value-added")
_add("request-bounds-narrowed", "breaking", "A request bound tightened: maximum/maxLength/maxItems lowered or set, "
     "minimum/minLength/minItems raised or set, a pattern added or changed.",
     oasdiff="request-parameter-max-decreased, request-parameter-min-increased, "
             "request-property-max-length-decreased, request-property-min-length-increased, "
             "request-parameter-max-length-decreased, request-property-min-items-increased, "
             "request-parameter-pattern-added, request-property-pattern-changed")
_add("request-bounds-widened", "non-breaking", "A request bound loosened or was removed.",
     oasdiff="request-parameter-max-increased, request-property-min-length-decreased, "
             "request-property-pattern-removed")
# responses
_add("response-success-status-removed", "breaking", "A documented 2xx/3xx response was removed.",
     oasdiff="response-success-status-removed")
_add("response-error-status-removed", "breaking", "A documented error response was removed (clients handling it now "
     "meet something else).",
     oasdiff="response-non-success-status-removed")
_add("response-status-added", "non-breaking", "A response status was added.",
     oasdiff="response-success-status-added, response-non-success-status-added")
_add("response-media-type-removed", "breaking", "A response content type is no longer produced.",
     oasdiff="response-media-type-removed")
_add("response-media-type-added", "non-breaking", "A response content type was added.",
     oasdiff="response-media-type-added")
_add("response-header-removed", "breaking", "A documented response header was removed.",
     oasdiff="required-response-header-removed, optional-response-header-removed")
_add("response-property-removed", "breaking", "A response field was removed (or renamed): clients read it.",
     oasdiff="response-required-property-removed, response-optional-property-removed")
_add("response-property-became-optional", "breaking", "A response field that was always present may now be missing.",
     oasdiff="response-property-became-optional")
_add("response-property-added", "non-breaking", "A response field was added.",
     oasdiff="response-optional-property-added, response-required-property-added")
_add("response-property-became-required", "non-breaking", "A response field is now always present.",
     oasdiff="response-property-became-required")
_add("response-type-changed", "breaking", "A response value's type, format, nullability or variants were widened or "
     "changed.",
     oasdiff="response-property-type-changed, response-body-type-changed, response-property-became-nullable")
_add("response-type-narrowed", "non-breaking", "A response value has fewer possible types or a format added.",
     oasdiff="response-property-type-changed (narrowing, info)")
_add("response-enum-widened", "breaking", "A response value may take new enum values (or lost its enum).",
     oasdiff="response-property-enum-value-added")
_add("response-enum-narrowed", "non-breaking", "A response value takes fewer enum values.",
     oasdiff="response-property-enum-value-removed")
_add("response-bounds-widened", "breaking", "A response bound loosened or was removed: values old clients never had "
     "to handle.",
     oasdiff="response-property-max-increased, response-property-max-length-increased, "
             "response-property-max-length-unset, response-property-min-decreased, "
             "response-property-min-items-decreased")
_add("response-bounds-narrowed", "non-breaking", "A response bound tightened.", oasdiff="-")
# security
_add("security-requirement-removed", "breaking", "A way of calling an operation is gone: a security alternative "
     "removed, or anonymous access ended.",
     oasdiff="api-security-removed, api-global-security-removed")
_add("security-requirement-added", "non-breaking", "A new security alternative (or anonymous access) was added.",
     oasdiff="api-security-added, api-global-security-added")
_add("security-scope-added", "breaking", "An operation needs an extra scope.",
     oasdiff="api-security-scope-added, api-global-security-scope-added")
_add("security-scheme-changed", "breaking", "A security scheme in use changed how credentials are sent (type, scheme, "
     "header or query name).",
     oasdiff="api-security-component-type-changed")
