"""The PySide6 desktop app: the only package of photoclip that imports Qt."""
