"""The contract (kontrakt) once in force: the document as the three parties signed it, and the
agreement and contract meeting (avtale- og kontraktsmøte) that opens the programme period."""
