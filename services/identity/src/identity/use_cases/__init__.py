"""What people and operators do with identity: one module per resource, one function per use
case. They know the domain and the ports, never HTTP, Kafka or MongoDB."""
