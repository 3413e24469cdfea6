"""One module per resource: thin routes, their request and response models beside them."""
