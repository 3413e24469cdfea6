"""lines: the lines each user registers by SMS code, and what they see of them."""
