"""Official-format PDFs: format profiles, the renderer, storage and the document registry.

See docs/documents.md for the contract the document kinds build on.
"""
