// Uniqueness constraints: one node per normalised identifier. Every MERGE in the loader
// matches on exactly these keys, so the constraints are also the lookup indexes.
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (n:Account) REQUIRE n.account_id IS UNIQUE;
CREATE CONSTRAINT email_address IF NOT EXISTS FOR (n:Email) REQUIRE n.address IS UNIQUE;
CREATE CONSTRAINT domain_name IF NOT EXISTS FOR (n:Domain) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT phone_e164 IF NOT EXISTS FOR (n:Phone) REQUIRE n.e164 IS UNIQUE;
CREATE CONSTRAINT payment_fingerprint IF NOT EXISTS FOR (n:PaymentInstrument) REQUIRE n.fingerprint IS UNIQUE;
CREATE CONSTRAINT billing_key IF NOT EXISTS FOR (n:BillingIdentity) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT ip_address IF NOT EXISTS FOR (n:IPAddress) REQUIRE n.address IS UNIQUE;
CREATE CONSTRAINT prefix_cidr IF NOT EXISTS FOR (n:Prefix) REQUIRE n.cidr IS UNIQUE;
CREATE CONSTRAINT asn_number IF NOT EXISTS FOR (n:ASN) REQUIRE n.number IS UNIQUE;
CREATE CONSTRAINT proxy_service_name IF NOT EXISTS FOR (n:ProxyService) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT organisation_id IF NOT EXISTS FOR (n:Organisation) REQUIRE n.org_id IS UNIQUE;
CREATE CONSTRAINT user_agent_key IF NOT EXISTS FOR (n:UserAgent) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT cluster_id IF NOT EXISTS FOR (n:Cluster) REQUIRE n.cluster_id IS UNIQUE;
CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (n:Campaign) REQUIRE n.campaign_id IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (n:Run) REQUIRE n.run_id IS UNIQUE;
CREATE CONSTRAINT cluster_event_id IF NOT EXISTS FOR (n:ClusterEvent) REQUIRE n.event_id IS UNIQUE;
CREATE CONSTRAINT load_state_name IF NOT EXISTS FOR (n:LoadState) REQUIRE n.name IS UNIQUE;
