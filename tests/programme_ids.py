"""The ids of the programmes in knowledge/programmes/ that tests name (the product's code names none)."""

ZE = "tokyo-zero-emission-energy-saving"
CC = "tokyo-carbon-credit-promotion"
SAF = "tokyo-saf-air-cargo"
JVER = "moe-jver-credit-creation-2010"
METI = "meti-cn-action-plan"
