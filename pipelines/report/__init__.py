"""Case reports: one HTML dossier per attributed parent organisation."""
