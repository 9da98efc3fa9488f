// Type-checked against the TypeScript types generated from /api/schema/: the shapes a
// partner's till builds and reads. A schema change that breaks them fails `tsc`.
import type { components, paths } from "./generated/schema";

type Sale = components["schemas"]["TransactionInputRequest"];
type Recorded = components["schemas"]["TransactionOutput"];
type ApiError = components["schemas"]["ErrorOutput"];
type SaleAnswers = paths["/api/v1/partner/transactions/"]["post"]["responses"];

export const sale: Sale = {
  external_id: "till1-000123",
  customer_code: "7K3M9P2QXA-482913",
  amount: "1250.00", // money is a decimal string
  lines: [{ name: "Latte", quantity: "2", unit_price: "350.00" }],
  points_to_redeem: 50,
};

export function due(recorded: Recorded): string {
  const amount: string = recorded.amount_due;
  return `${amount} ${recorded.currency}`;
}

export function errorCode(body: ApiError): string {
  return body.error.code;
}

export type Created = SaleAnswers[201]["content"]["application/json"];
export type Refused = SaleAnswers[409]["content"]["application/json"];
export type Throttled = SaleAnswers[429]["content"]["application/json"];
