-- Tips (加小费) added to a placement no courier accepted (issue 16, docs/dispatch.md "Tips when nobody accepts").
-- Folded into the placement's row, which the acceptance timeout already locks and the delivery's postings already
-- read: an order that gets no tip writes nothing more (the defaults), a tipped round updates the row it changes anyway.
--   tip_round        the tip rounds decided for this placement (0: none); round n is sent under the key
--                    <orderId>:<platform>:tip-<n>, so a call repeated after an unknown outcome is counted once;
--   tip_fen          what the platform confirmed of them, in total (booked with the delivery as courier cost);
--   tip_pending_fen  the tip of round tip_round while its answer has not come (NULL once confirmed or refused): the
--                    next acceptance timeout sends it again under the same key instead of a new round.
ALTER TABLE courier_placement
  ADD COLUMN tip_round       INT    NOT NULL DEFAULT 0,
  ADD COLUMN tip_fen         BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN tip_pending_fen BIGINT NULL;
