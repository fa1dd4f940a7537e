// name: creation_bursts
// category: Campaigns
// answers: Which clusters had many accounts created within a short window (batch sign-ups)?
// parameters:
//   window_hours: integer = 24, the length of the window
//   min_accounts: integer = 10, how many sign-ups in one window make a burst
// returns: cluster_id, window_start, accounts_in_window, cluster_size
MATCH (a:Account)-[:IN_CLUSTER]->(c:Cluster)
WITH c, a.created_at AS created ORDER BY created
WITH c, collect(created) AS times
UNWIND range(0, size(times) - 1) AS i
WITH c, times, times[i] AS start,
     size([t IN times WHERE t >= times[i] AND t < times[i] + duration({hours: $window_hours})]) AS n
WITH c, start, n ORDER BY n DESC
WITH c, head(collect({start: start, n: n})) AS best
WHERE best.n >= $min_accounts
RETURN c.cluster_id AS cluster_id, best.start AS window_start, best.n AS accounts_in_window,
       c.size AS cluster_size
ORDER BY accounts_in_window DESC;
