"""identity's domain: validation rules, the User aggregate, lockout and token rules. No I/O."""
