"""The business side's domain (docs/companies.md): codes, the ledger of a contract, who may do what in a
company, identification of a contract, people and invitations, documents, paying. Plain values and outcomes;
no HTTP here (the web side is vez.business)."""
