"""The collection campaign (征集): contributing units, rounds and targets, progress figures and
the letters sent to units that lag behind. Reports (通报, letters) are drawn in album/reports."""
