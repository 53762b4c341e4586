"""The administrative tree (province → commune → village): the one package below every domain that places things
in it. Accounts scope roles by it, fleet places devices in it, bulletins and programmes target it; it imports none of
them."""
