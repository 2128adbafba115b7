"""photoclip: find and organise your own photos by meaning, privately, on your own machine."""
import os as _os

__version__ = "0.1.0"

# Nothing leaves the computer: ONNX Runtime (it runs the OCR models) has a telemetry system that, unless told
# not to, keeps a device id and an event store in ~/.cache/Microsoft/DeveloperTools and may send events.  Off
# before anything imports it (the user may still set the variable otherwise, knowingly).
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
