"""Guidance visits (veiledningsbesøk) to municipalities: scheduling and calendar invitations."""
