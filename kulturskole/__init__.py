"""Case engine for Norsk kulturskoleråd's programme «Fremtidens kulturskole – regionale program»."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
PROGRAMMES_DIR = PROJECT_ROOT / "programmes"
