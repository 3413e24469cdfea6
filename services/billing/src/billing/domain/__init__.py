"""billing's domain: clave de acceso, fiscal money, IVA, proration, invoice and its XML. No I/O."""
