"""grant-advisor (脱炭素補助金アドバイザー)."""

__version__ = "0.1.0"
