/** Money on the wire (§9): a decimal string, with the currency beside it. */
import { formatMoney, type Nanos } from '../domain/money';

/** Two fraction digits at least, every nano-unit kept: '12.30', '0.000000001'. */
export function moneyText(value: Nanos): string {
  return formatMoney(value, 2);
}
