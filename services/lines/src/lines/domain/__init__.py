"""lines' rules: numbers and service types, SMS codes, the Line aggregate, the directory."""
