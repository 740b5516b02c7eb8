"""Tooling, not the running app: demo data, the bench, the page bench and the matching's
reference loop. The runtime imports it only to fill an empty default database with demo data at
the first start (and to name the demo accounts on the login page); the command line runs the rest.
"""
