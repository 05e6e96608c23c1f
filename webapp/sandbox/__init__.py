"""The sandbox: stands in for БМГ, the children's registry and the ed24.kz app."""
