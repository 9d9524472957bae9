"""What a product says about its image: one frozen record that the JSON, the PDS3 label and the truth share.

The values are computed once (times already on an SCLK tick, geometry at START_TIME) by the caller that has
the kernels loaded (``simulator.products.clock``, ``simulator.geometry``); every writer formats the same
record, so the JSON and the label cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from simulator.errors import ProductError
from simulator.products.keywords import DEFAULT_PRODUCT_LETTER, PRODUCT_ID_FORM, PRODUCT_ID_RE

FILTER_NAMES = ("METHANE", "BLUE", "GREEN", "RED")  # facts.md "Camera geometry" (CCD order)
COMPANDING_MODES = ("SQROOT", "LIN1", "LIN8", "LIN16")  # facts.md "Detector and electronics"
COMPRESSION_TYPES = ("NONE", "LOSSLESS", "INTEGER COSINE TRANSFORM")  # instrument_models compression modes
FRAMELET_LINES_UNSUMMED = 128  # facts.md "Products": 128-line framelets (64 when summed, facts.md ISIS)
CCD_SAMPLES_UNSUMMED = 1648  # facts.md "Camera geometry": full CCD width
TDI_LINE_PERIOD_S = 0.0032  # facts.md "Detector and electronics": EXPOSURE_DURATION = TDI x 3.2 ms

_UTC_MS_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def parse_utc_ms(text: str) -> datetime:
    """``"2020-06-02T11:07:00.793"`` -> naive UTC ``datetime``; raise ``ProductError`` when malformed."""
    try:
        return datetime.strptime(str(text).rstrip("Z"), _UTC_MS_FORMAT if "." in str(text) else "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ProductError(f"time {text!r} is not a UTC instant like '2020-06-02T11:07:00.793'") from None


def format_utc_ms(moment: datetime) -> str:
    """Naive UTC ``datetime`` -> ``"yyyy-mm-ddThh:mm:ss.sss"`` (rounded to the millisecond)."""
    rounded = moment + timedelta(microseconds=500)
    return rounded.strftime(_UTC_MS_FORMAT)[:-3]


def stop_time(start_utc: str, frames: int, interframe_delay_s: float) -> str:
    """STOP_TIME = START_TIME + frames x INTERFRAME_DELAY (the label value, without the 1 ms delta).

    facts.md "Timing": checked in every product seen (26 x 0.371 s etc.). Computed in whole milliseconds
    (the label's resolution), ignoring a leap second inside the image.
    """
    step_ms = int(round(frames * round(interframe_delay_s * 1000.0)))
    return format_utc_ms(parse_utc_ms(start_utc) + timedelta(milliseconds=step_ms))


def make_product_id(start_utc: str, orbit_number: int, image_number: int, version: int = 1,
                    letter: str = DEFAULT_PRODUCT_LETTER) -> str:
    """PRODUCT_ID in the mission's form ``JNCE_yyyyddd_ppLnnnnn_Vxx`` (``simulator.products.keywords``).

    ``yyyyddd`` is the year and day of year of START_TIME, ``pp`` the orbit (perijove) number, ``L`` the
    letter (``C`` by default; a twin keeps its original's), ``nnnnn`` the image number, ``xx`` the version.
    """
    if not (isinstance(letter, str) and len(letter) == 1 and "A" <= letter <= "Z"):
        raise ProductError(f"product id letter {letter!r} must be one upper-case letter A..Z")
    if not 0 <= int(orbit_number) <= 99:
        raise ProductError(f"orbit number {orbit_number!r} does not fit the product id's two digits (0..99)")
    if not 0 <= int(image_number) <= 99999:
        raise ProductError(f"image number {image_number!r} does not fit the product id's five digits")
    if not 1 <= int(version) <= 99:
        raise ProductError(f"product version {version!r} must be 1..99")
    start = parse_utc_ms(start_utc)
    return (f"JNCE_{start.year:04d}{start.timetuple().tm_yday:03d}_{int(orbit_number):02d}{letter}"
            f"{int(image_number):05d}_V{int(version):02d}")


def parse_product_id(product_id: str) -> dict:
    """Split a PRODUCT_ID into ``level`` ("E"/"R"), ``year, day, orbit, letter, image_number, version``.

    Raise ``ProductError`` when it is not of the mission's form (``keywords.PRODUCT_ID_RE``).
    """
    match = PRODUCT_ID_RE.match(str(product_id))
    if match is None:
        raise ProductError(f"PRODUCT_ID {product_id!r} is not of the form {PRODUCT_ID_FORM}")
    level, year, day, orbit, letter, number, version = match.groups()
    return {"level": level, "year": int(year), "day": int(day), "orbit": int(orbit), "letter": letter,
            "image_number": int(number), "version": int(version)}


@dataclass(frozen=True)
class ImageDescription:
    """Everything the metadata and the label say about one image.

    Attributes
    ----------
    product_id : ``JNCE_yyyyddd_ppLnnnnn_Vxx``.
    start_utc : reported START_TIME (without START_TIME_BIAS), ``yyyy-mm-ddThh:mm:ss.sss``, on an SCLK tick.
    sclk_start : SPACECRAFT_CLOCK_START_COUNT of the same instant, ``"<s>:<ticks>"``.
    frames : number of frames.
    filters : FILTER_NAME, readout order.
    tdi_stages : JNO:TDI_STAGES_COUNT (one per image, as in the products).
    interframe_delay_s : INTERFRAME_DELAY (s, millisecond resolution).
    summing : SAMPLING_FACTOR, 1 or 2.
    companding : SAMPLE_BIT_MODE_ID.
    compression : COMPRESSION_TYPE.
    focal_plane_temperature_k : FOCAL_PLANE_TEMPERATURE (K).
    orbit_number : ORBIT_NUMBER (= PJ).
    spacecraft_altitude_km : SPACECRAFT_ALTITUDE above the ellipsoid at START_TIME (km).
    sub_spacecraft_lat_deg : SUB_SPACECRAFT_LATITUDE at START_TIME, planetocentric (deg; assumption: the
        mission does not say which latitude it reports).
    sub_spacecraft_lon_deg : SUB_SPACECRAFT_LONGITUDE at START_TIME, System III west (deg).
    solar_distance_km : SOLAR_DISTANCE, Sun to Jupiter's centre at START_TIME (km).
    product_creation_utc : PRODUCT_CREATION_TIME ``yyyy-mm-ddThh:mm:ss``, from the scenario (reproducible).
    title, description, rationale, sequence_id, source_product_id, software_name : text fields.
    version : PRODUCT_VERSION_ID.
    """

    product_id: str
    start_utc: str
    sclk_start: str
    frames: int
    filters: tuple[str, ...]
    tdi_stages: int
    interframe_delay_s: float
    summing: int
    companding: str
    compression: str
    focal_plane_temperature_k: float
    orbit_number: int
    spacecraft_altitude_km: float
    sub_spacecraft_lat_deg: float
    sub_spacecraft_lon_deg: float
    solar_distance_km: float
    product_creation_utc: str
    title: str = "junocam-sim synthetic image"
    description: str = "Synthetic JunoCam image rendered by junocam-sim; not a mission product."
    rationale: str = "Jupiter imaging"
    sequence_id: str = ""
    source_product_id: str = ""
    software_name: str = "JUNOCAM-SIM"
    version: int = 1

    def __post_init__(self) -> None:
        parse_product_id(self.product_id)
        parse_utc_ms(self.start_utc)
        if int(self.frames) < 1:
            raise ProductError(f"frames {self.frames!r} must be at least 1")
        if not self.filters or any(f not in FILTER_NAMES for f in self.filters) \
                or len(set(self.filters)) != len(self.filters):
            raise ProductError(f"FILTER_NAME {list(self.filters)!r} must list distinct names from "
                               f"{', '.join(FILTER_NAMES)}")
        if self.summing not in (1, 2):
            raise ProductError(f"SAMPLING_FACTOR {self.summing!r} must be 1 or 2")
        if self.companding not in COMPANDING_MODES:
            raise ProductError(f"SAMPLE_BIT_MODE_ID {self.companding!r} must be one of {', '.join(COMPANDING_MODES)}")
        if self.compression not in COMPRESSION_TYPES:
            raise ProductError(f"COMPRESSION_TYPE {self.compression!r} must be one of {', '.join(COMPRESSION_TYPES)}")
        if not 1 <= int(self.tdi_stages) <= 100:  # facts.md: up to about 100 TDI stages
            raise ProductError(f"JNO:TDI_STAGES_COUNT {self.tdi_stages!r} must be 1..100")
        if abs(self.interframe_delay_s * 1000.0 - round(self.interframe_delay_s * 1000.0)) > 1e-6:
            raise ProductError(f"INTERFRAME_DELAY {self.interframe_delay_s!r} s is finer than the label's "
                               "millisecond resolution; round it to whole milliseconds")

    @property
    def exposure_s(self) -> float:
        """EXPOSURE_DURATION in seconds: TDI stages x 3.2 ms."""
        return int(self.tdi_stages) * TDI_LINE_PERIOD_S

    @property
    def framelet_lines(self) -> int:
        """Lines per framelet in the product: 128 / summing."""
        return FRAMELET_LINES_UNSUMMED // self.summing

    @property
    def line_samples(self) -> int:
        """Samples per line in the product: 1648 / summing (our reading of summed products, see README)."""
        return CCD_SAMPLES_UNSUMMED // self.summing

    @property
    def lines(self) -> int:
        """LINES of the raw image: frames x filters x framelet lines."""
        return int(self.frames) * len(self.filters) * self.framelet_lines

    @property
    def stop_utc(self) -> str:
        """STOP_TIME = START_TIME + frames x INTERFRAME_DELAY."""
        return stop_time(self.start_utc, int(self.frames), self.interframe_delay_s)


@dataclass(frozen=True)
class ReportedGeometry:
    """The geometry a label reports, evaluated at START_TIME by ``simulator.geometry``.

    Attributes
    ----------
    spacecraft_altitude_km : altitude above Jupiter's ellipsoid (km).
    sub_spacecraft_lat_deg : planetocentric latitude of the sub-spacecraft point (deg).
    sub_spacecraft_lon_deg : System III west longitude of the sub-spacecraft point (deg).
    solar_distance_km : Sun to Jupiter distance (km).
    """

    spacecraft_altitude_km: float
    sub_spacecraft_lat_deg: float
    sub_spacecraft_lon_deg: float
    solar_distance_km: float


def describe_image(*, start_utc: str, sclk_start: str, imaging: dict, geometry: ReportedGeometry,
                   scenario: str, seed: int, image_number: int = 1, version: int = 1,
                   title: str | None = None, letter: str = DEFAULT_PRODUCT_LETTER) -> ImageDescription:
    """Build the :class:`ImageDescription` of a render.

    Parameters
    ----------
    start_utc, sclk_start : the reported start (``clock.reported_start``, or a twin's original).
    imaging : scenario ``[imaging]`` values: ``frames, filters, tdi, interframe_delay_s, summing, companding,
        compression, focal_plane_temperature_k, orbit_number``.
    geometry : what the label reports about the geometry at START_TIME.
    scenario, seed : recorded in the text fields.
    image_number, version : PRODUCT_ID's ``nnnnn`` and ``Vxx``.
    title : TITLE (default names the scenario).
    letter : PRODUCT_ID's letter (a twin keeps its original's).

    PRODUCT_CREATION_TIME is START_TIME to the second (assumption: reproducible, unlike the wall clock).
    """
    orbit = int(imaging["orbit_number"])
    return ImageDescription(
        product_id=make_product_id(start_utc, orbit, image_number, version, letter), start_utc=start_utc,
        sclk_start=sclk_start, frames=int(imaging["frames"]),
        filters=tuple(str(f).upper() for f in imaging["filters"]), tdi_stages=int(imaging["tdi"]),
        interframe_delay_s=float(imaging["interframe_delay_s"]), summing=int(imaging["summing"]),
        companding=str(imaging["companding"]).upper(), compression=str(imaging["compression"]).upper(),
        focal_plane_temperature_k=float(imaging["focal_plane_temperature_k"]), orbit_number=orbit,
        spacecraft_altitude_km=geometry.spacecraft_altitude_km,
        sub_spacecraft_lat_deg=geometry.sub_spacecraft_lat_deg,
        sub_spacecraft_lon_deg=geometry.sub_spacecraft_lon_deg, solar_distance_km=geometry.solar_distance_km,
        product_creation_utc=start_utc[:19], version=version,
        title=title or f"PJ{orbit} synthetic ({scenario})",
        description=(f"Synthetic JunoCam image rendered by junocam-sim from scenario {scenario!s}, seed {int(seed)}; "
                     "not a mission product."),
    )
