"""Any OpenAPI 3.0/3.1 document served as a stateful mock with no code: the document is loaded and bundled
(`document`), its resources inferred from paths, methods and schemas (`model`), and one `ApiPlugin` built from it
(`plugin`) whose handlers (`handlers`) keep state in the engine's store like the built-in APIs' handlers do.
"""
