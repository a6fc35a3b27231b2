"""The contract suite: the specs turned into property-based tests (schemathesis' engine plus apitwin's own checks)
that run against any implementation, our mock in-process by default.

    runner      one run: target → login → data hints → schemathesis phases → property checks → coverage
    events      schemathesis' engine events → counts, findings, progress lines
    isolation   seed state before each operation; thread safety with several workers
    profiles    per-API knowledge beyond the spec (login, accounts, documented business rules)
    generic     the profile of a plain OpenAPI document (auth from --header or its first security scheme)
    target      the implementation under test, in-process or at a base URL; curl lines for reports
    auth        logging in through the API, token refresh, the schemathesis auth provider
    hints       real ids / entity types / SKUs from the spec and the target, swapped into positive cases
    document_values  values a plain document gives path parameters that name no resource (an API version)
    listing     a whole list read from the target, page after page, by what each page says about the rest
    exemptions  documented exceptions (business-rule 4xx, x-apitwin-empty-body, control characters in paths)
    checks      response checks added to schemathesis' (Location, create round trip)
    properties  property checks over the whole API (tenancy, paging, filters, query operators, updates, deletes)
    values      how a value sent is compared with the value read back
    coverage    operations × documented status codes: exercised or never seen
    results     findings and counts, one shape for every consumer
    report      JUnit XML, Markdown, JSON
    publish     the JSON report posted to a running mock's inspector (--publish)
    config      schemathesis configuration: defaults < schemathesis.toml < command line
    cli         `apitwin contract`
"""
