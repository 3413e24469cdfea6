"""Shared by every service: event contracts (`common.contracts`) and the service runtime."""
