// Secondary indexes for the investigators' questions (lookups that are not by key).
CREATE INDEX account_created IF NOT EXISTS FOR (n:Account) ON (n.created_at);
CREATE INDEX account_status IF NOT EXISTS FOR (n:Account) ON (n.status);
CREATE INDEX organisation_name IF NOT EXISTS FOR (n:Organisation) ON (n.name_key);
CREATE INDEX payment_bin IF NOT EXISTS FOR (n:PaymentInstrument) ON (n.bin);
CREATE INDEX cluster_risk IF NOT EXISTS FOR (n:Cluster) ON (n.risk_score);
CREATE FULLTEXT INDEX organisation_names IF NOT EXISTS FOR (n:Organisation) ON EACH [n.legal_name, n.aliases_text];
// Identifiers by how many accounts share them (identifier_hubs walks them largest first).
CREATE INDEX email_sharing IF NOT EXISTS FOR (n:Email) ON (n.accounts_sharing);
CREATE INDEX domain_sharing IF NOT EXISTS FOR (n:Domain) ON (n.accounts_sharing);
CREATE INDEX phone_sharing IF NOT EXISTS FOR (n:Phone) ON (n.accounts_sharing);
CREATE INDEX payment_sharing IF NOT EXISTS FOR (n:PaymentInstrument) ON (n.accounts_sharing);
CREATE INDEX billing_sharing IF NOT EXISTS FOR (n:BillingIdentity) ON (n.accounts_sharing);
CREATE INDEX ip_sharing IF NOT EXISTS FOR (n:IPAddress) ON (n.accounts_sharing);
CREATE INDEX agent_sharing IF NOT EXISTS FOR (n:UserAgent) ON (n.accounts_sharing);
CREATE INDEX organisation_sharing IF NOT EXISTS FOR (n:Organisation) ON (n.accounts_sharing);
