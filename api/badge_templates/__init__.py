"""Badge templates: the built-in designs and SVGs users upload, checked by the engine at upload."""
