// name: creation_bursts
// category: Campaigns
// answers: Which clusters had many accounts created within a short window (batch sign-ups)?
// parameters:
//   window_hours: integer = 24, the length of the window
//   min_accounts: integer = 10, how many sign-ups in one window make a burst
// returns: cluster_id, window_start, accounts_in_window, cluster_size
// One sweep per cluster over its sign-ups in time order (a window opens at each sign-up and
// closes window_hours later): the most windows open at once is the most sign-ups within one
// window, found in n log n where comparing every sign-up with every other took n².
MATCH (c:Cluster)<-[:IN_CLUSTER]-(a:Account)
WITH c, collect(a.created_at) AS times
WHERE size(times) >= $min_accounts
WITH c, times, duration({hours: $window_hours}) AS window
UNWIND times AS t
UNWIND [[t, 1], [t + window, -1]] AS event
// a window closing at the instant another sign-up happens no longer holds the earlier one
WITH c, window, event ORDER BY event[0], event[1]
WITH c, window, collect(event) AS events
WITH c, window, events, reduce(s = {open: 0, best: 0, at: null}, e IN events |
       CASE WHEN s.open + e[1] > s.best
            THEN {open: s.open + e[1], best: s.open + e[1], at: e[0]}
            ELSE {open: s.open + e[1], best: s.best, at: s.at} END) AS sweep
WHERE sweep.best >= $min_accounts
// the earliest sign-up still inside the window where the most were open starts the burst
RETURN c.cluster_id AS cluster_id,
       head([e IN events WHERE e[1] = 1 AND e[0] > sweep.at - window | e[0]]) AS window_start,
       sweep.best AS accounts_in_window, c.size AS cluster_size
ORDER BY accounts_in_window DESC, cluster_id;
