// Secondary indexes for the investigators' questions (lookups that are not by key).
CREATE INDEX account_created IF NOT EXISTS FOR (n:Account) ON (n.created_at);
CREATE INDEX account_status IF NOT EXISTS FOR (n:Account) ON (n.status);
CREATE INDEX organisation_name IF NOT EXISTS FOR (n:Organisation) ON (n.name_key);
CREATE INDEX payment_bin IF NOT EXISTS FOR (n:PaymentInstrument) ON (n.bin);
CREATE INDEX cluster_risk IF NOT EXISTS FOR (n:Cluster) ON (n.risk_score);
CREATE FULLTEXT INDEX organisation_names IF NOT EXISTS FOR (n:Organisation) ON EACH [n.legal_name, n.aliases_text];
