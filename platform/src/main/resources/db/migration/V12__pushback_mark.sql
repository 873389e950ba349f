-- Status push-back marked by the transaction that moves the order (issue 14): Pushback.mark writes order_pushback in
-- one statement, so nobody reads the row first. A state it replaces before the platform acknowledged it (skipped) is
-- counted here, and the pusher that next writes the row's outcome moves the count to kilosail_pushback_superseded_total.
ALTER TABLE order_pushback ADD COLUMN superseded INT NOT NULL DEFAULT 0;
