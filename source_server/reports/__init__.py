"""Reports: the statistics the province produces (connected devices, bulletins, air time, emergencies)."""
