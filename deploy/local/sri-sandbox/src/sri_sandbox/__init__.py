"""A local stand-in for SRI's offline SOAP web services (recepción and autorización).

It answers the real WSDL operations at the real paths with SRI's response shapes and message
identifiers, so billing's client and bill runs can be tested and benchmarked without the network.
"""
