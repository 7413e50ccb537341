"""Cases: categories, departments, the working-time calendar, intake, the case state machine,
deadlines and escalation, patrols and evaluation. The daily work of grid staff and departments."""
