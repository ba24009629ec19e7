"""socialbalance-registry: Gladsaxe Kommune's registry of Social balance interventions."""
