-- Issue 15 (order and ledger side): what a courier platform really charges, and where its rider is.
-- Money is integer fen; instants are UTC DATETIME(3) written by the application (see V2).

-- The price the platform states when it takes the order (its create answer); NULL when it does not say. The ledger
-- books this one over the quote (price_fen, kept as quoted): the platform bills what it charged at placement.
ALTER TABLE courier_placement ADD COLUMN charged_fen BIGINT NULL AFTER price_fen;

-- The holder's rider as its platform last reported him (GCJ-02, like the pickup and drop-off), and when; NULL until a
-- callback carries a position. Written by the UPDATE that applies the callback's state (OrderRepository.courierMoved).
ALTER TABLE delivery_order
  ADD COLUMN rider_lat DECIMAL(9,6) NULL,
  ADD COLUMN rider_lng DECIMAL(9,6) NULL,
  ADD COLUMN rider_at  DATETIME(3)  NULL;
