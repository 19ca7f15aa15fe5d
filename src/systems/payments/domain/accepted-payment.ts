/** The work queue from the API instances to the dispatcher(s). */
export const ACCEPTED_QUEUE = 'payments.accepted';

/** A payment the API answered 202 for, on its way to a dispatcher. */
export interface AcceptedPayment {
  correlationId: string;
  amountCents: number;
  /** Epoch ms when the API accepted it: a purge drops everything accepted before it. */
  acceptedAt: number;
}

export interface PurgeNotice {
  from: string;
  at: number;
}
