"""Test-only moto extensions for corestack: AgentCore resource types in moto's CloudFormation."""
