"""Campaign detection and attribution of campaign clusters to their ultimate parents."""
