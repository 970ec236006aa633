"""The badge render engine: a library with no Flask and no database.

Jobs, the preview endpoint and the CLI all call it. A template is compiled once (validated,
its static layer recorded) and stamped once per attendee; text is laid out with Pango.
"""

import os
from pathlib import Path

# Before anything asks fontconfig for a font: the engine's font set (fontconfig/fonts.conf says
# which fonts it leaves out, and why). A deployment's own FONTCONFIG_FILE wins; render workers and
# the parts of a long render inherit this one through their environment.
os.environ.setdefault("FONTCONFIG_FILE", str(Path(__file__).with_name("fontconfig") / "fonts.conf"))
