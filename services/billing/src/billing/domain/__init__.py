"""billing's domain: clave de acceso, fiscal money rounding, IVA and proration. No I/O."""
