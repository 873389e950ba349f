-- A cancelled placement's refund finds the charge it gives back by its reference alone (charge:<orderId>:<platform>):
-- the callback that states a penalty knows the order and the platform, not the account the placement was charged to.
ALTER TABLE courier_account_topup ADD KEY idx_courier_topup_reference (reference);
