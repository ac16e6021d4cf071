/**
 * What `klarna-local seed` makes its demo data of: a seeded random source (the same `--seed` gives the
 * same shoppers, carts and references), the markets it sells in (src/kernel/markets.ts: countries
 * with their currency, locale and tax), shoppers with plausible names and addresses, and a shop's
 * catalogue priced in each currency. Amounts are minor units and obey Klarna's arithmetic (§0.5):
 * line totals, per-line VAT within ±1, or US sales tax as a line of its own.
 */

/** mulberry32 over a 32-bit FNV-1a hash of the seed text: small, fast and the same everywhere. */
export class Random {
  private state: number;

  constructor(seed: string) {
    let hash = 0x811c9dc5;
    for (const char of seed) {
      hash ^= char.codePointAt(0) ?? 0;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    this.state = hash;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** One of `items`, each as likely as its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [item, weight] of items) {
      point -= weight;
      if (point < 0) return item;
    }
    const last = items[items.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }
}

export interface Place {
  street_address: string;
  postal_code: string;
  city: string;
  region?: string;
}

export interface Market {
  country: string;
  currency: string;
  locale: string;
  /** VAT in hundredths of a percent (2500 = 25 %), or null where tax is a sales-tax line (US). */
  vat: number | null;
  /** US sales tax, hundredths of a percent. */
  salesTax?: number;
  /** Catalogue prices are in euro cents; times this, rounded the local way. */
  priceFactor: number;
  /** `whole`: 1 019 kr; `cents`: 88.95. */
  rounding: 'whole' | 'cents';
  shippingFee: number;
  /** Carts worth this much (minor units, before tax lines) ship free. */
  freeShippingFrom: number;
  phone: () => string;
  givenNames: readonly string[];
  familyNames: readonly string[];
  places: readonly Place[];
  carriers: readonly string[];
  weight: number;
}

const digits = (random: Random, count: number): string => Array.from({ length: count }, () => String(random.int(0, 9))).join('');

/** Markets from src/kernel/markets.ts, with what a shop there charges and who buys. */
export function markets(random: Random): readonly Market[] {
  return [
    {
      country: 'SE',
      currency: 'SEK',
      locale: 'sv-SE',
      vat: 2500,
      priceFactor: 11.5,
      rounding: 'whole',
      shippingFee: 4900,
      freeShippingFrom: 100_000,
      phone: () => `+4670${digits(random, 7)}`,
      givenNames: ['Astrid', 'Johan', 'Elin', 'Oskar', 'Maja', 'Erik', 'Linnea', 'Anders', 'Saga', 'Nils'],
      familyNames: ['Lindqvist', 'Berg', 'Nyström', 'Sandberg', 'Holm', 'Lund', 'Ekström', 'Björk', 'Sjöberg', 'Forsberg'],
      places: [
        { street_address: 'Drottninggatan 53', postal_code: '11121', city: 'Stockholm' },
        { street_address: 'Kungsportsavenyen 21', postal_code: '41136', city: 'Göteborg' },
        { street_address: 'Södra Förstadsgatan 8', postal_code: '21143', city: 'Malmö' },
        { street_address: 'Svartbäcksgatan 14', postal_code: '75320', city: 'Uppsala' },
        { street_address: 'Storgatan 30', postal_code: '90326', city: 'Umeå' },
      ],
      carriers: ['PostNord', 'DHL Express', 'Budbee'],
      weight: 30,
    },
    {
      country: 'DE',
      currency: 'EUR',
      locale: 'de-DE',
      vat: 1900,
      priceFactor: 1,
      rounding: 'cents',
      shippingFee: 495,
      freeShippingFrom: 10_000,
      phone: () => `+49151${digits(random, 8)}`,
      givenNames: ['Lena', 'Jonas', 'Mia', 'Felix', 'Hannah', 'Lukas', 'Emilia', 'Paul', 'Clara', 'Max'],
      familyNames: ['Schmidt', 'Becker', 'Wagner', 'Hoffmann', 'Schäfer', 'Koch', 'Richter', 'Klein', 'Wolf', 'Neumann'],
      places: [
        { street_address: 'Friedrichstraße 45', postal_code: '10117', city: 'Berlin' },
        { street_address: 'Sendlinger Straße 12', postal_code: '80331', city: 'München' },
        { street_address: 'Mönckebergstraße 7', postal_code: '20095', city: 'Hamburg' },
        { street_address: 'Schildergasse 64', postal_code: '50667', city: 'Köln' },
        { street_address: 'Königstraße 26', postal_code: '70173', city: 'Stuttgart' },
      ],
      carriers: ['DHL', 'Hermes', 'DPD'],
      weight: 20,
    },
    {
      country: 'GB',
      currency: 'GBP',
      locale: 'en-GB',
      vat: 2000,
      priceFactor: 0.86,
      rounding: 'cents',
      shippingFee: 395,
      freeShippingFrom: 8_500,
      phone: () => `+447700${digits(random, 6)}`,
      givenNames: ['Oliver', 'Amelia', 'Harry', 'Isla', 'George', 'Ava', 'Noah', 'Freya', 'Arthur', 'Grace'],
      familyNames: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Evans', 'Thomas', 'Roberts', 'Walker'],
      places: [
        { street_address: '221B Baker Street', postal_code: 'NW1 6XE', city: 'London' },
        { street_address: '14 Deansgate', postal_code: 'M3 2BW', city: 'Manchester' },
        { street_address: '3 Princes Street', postal_code: 'EH2 2AN', city: 'Edinburgh' },
        { street_address: '52 Corporation Street', postal_code: 'B2 4LP', city: 'Birmingham' },
        { street_address: '9 Bold Street', postal_code: 'L1 4DN', city: 'Liverpool' },
      ],
      carriers: ['Royal Mail', 'DPD', 'Evri'],
      weight: 15,
    },
    {
      country: 'NO',
      currency: 'NOK',
      locale: 'nb-NO',
      vat: 2500,
      priceFactor: 11.8,
      rounding: 'whole',
      shippingFee: 5900,
      freeShippingFrom: 110_000,
      phone: () => `+474${digits(random, 7)}`,
      givenNames: ['Ingrid', 'Lars', 'Nora', 'Henrik', 'Emma', 'Magnus', 'Sofie', 'Jakob', 'Ella', 'Sander'],
      familyNames: ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Berg'],
      places: [
        { street_address: 'Karl Johans gate 22', postal_code: '0159', city: 'Oslo' },
        { street_address: 'Torgallmenningen 8', postal_code: '5014', city: 'Bergen' },
        { street_address: 'Nordre gate 11', postal_code: '7011', city: 'Trondheim' },
      ],
      carriers: ['Posten', 'PostNord', 'Helthjem'],
      weight: 10,
    },
    {
      country: 'FI',
      currency: 'EUR',
      locale: 'fi-FI',
      vat: 2550,
      priceFactor: 1,
      rounding: 'cents',
      shippingFee: 590,
      freeShippingFrom: 10_000,
      phone: () => `+35840${digits(random, 7)}`,
      givenNames: ['Aino', 'Mikko', 'Helmi', 'Juho', 'Eevi', 'Onni', 'Siiri', 'Eetu'],
      familyNames: ['Virtanen', 'Korhonen', 'Mäkinen', 'Nieminen', 'Mäkelä', 'Hämäläinen', 'Laine', 'Heikkinen'],
      places: [
        { street_address: 'Mannerheimintie 5', postal_code: '00100', city: 'Helsinki' },
        { street_address: 'Hämeenkatu 20', postal_code: '33200', city: 'Tampere' },
        { street_address: 'Aurakatu 8', postal_code: '20100', city: 'Turku' },
      ],
      carriers: ['Posti', 'Matkahuolto'],
      weight: 8,
    },
    {
      country: 'NL',
      currency: 'EUR',
      locale: 'nl-NL',
      vat: 2100,
      priceFactor: 1,
      rounding: 'cents',
      shippingFee: 495,
      freeShippingFrom: 10_000,
      phone: () => `+316${digits(random, 8)}`,
      givenNames: ['Sanne', 'Daan', 'Julia', 'Sem', 'Tess', 'Lucas', 'Fleur', 'Milan'],
      familyNames: ['de Vries', 'Jansen', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer'],
      places: [
        { street_address: 'Damrak 70', postal_code: '1012 LM', city: 'Amsterdam' },
        { street_address: 'Coolsingel 42', postal_code: '3011 AD', city: 'Rotterdam' },
        { street_address: 'Oudegracht 158', postal_code: '3511 AZ', city: 'Utrecht' },
      ],
      carriers: ['PostNL', 'DHL'],
      weight: 7,
    },
    {
      country: 'US',
      currency: 'USD',
      locale: 'en-US',
      vat: null,
      salesTax: 888,
      priceFactor: 1.08,
      rounding: 'cents',
      shippingFee: 595,
      freeShippingFrom: 10_000,
      phone: () => `+1212555${digits(random, 4)}`,
      givenNames: ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Ethan', 'Sophia', 'Mason', 'Mia', 'Logan'],
      familyNames: ['Johnson', 'Williams', 'Miller', 'Davis', 'Garcia', 'Rodriguez', 'Martinez', 'Anderson', 'Clark', 'Lewis'],
      places: [
        { street_address: '350 Fifth Avenue', postal_code: '10118', city: 'New York', region: 'NY' },
        { street_address: '1455 Market Street', postal_code: '94103', city: 'San Francisco', region: 'CA' },
        { street_address: '233 S Wacker Drive', postal_code: '60606', city: 'Chicago', region: 'IL' },
        { street_address: '600 Congress Avenue', postal_code: '78701', city: 'Austin', region: 'TX' },
      ],
      carriers: ['UPS', 'USPS', 'FedEx'],
      weight: 10,
    },
  ];
}

export interface Shopper {
  given_name: string;
  family_name: string;
  email: string;
  street_address: string;
  postal_code: string;
  city: string;
  region?: string;
  country: string;
  phone: string;
}

const ascii = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/g, 'o')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');

/**
 * A shopper of `market`. `tag` goes into the e-mail's local part as Klarna's test data reads it
 * (`+pend-accept-05`, `+denied`, `+disputed-goods_not_received`): the e-mail decides the outcome.
 */
export function shopper(random: Random, market: Market, tag?: string): Shopper {
  const given = random.pick(market.givenNames);
  const family = random.pick(market.familyNames);
  const place = random.pick(market.places);
  return {
    given_name: given,
    family_name: family,
    email: `${ascii(given)}.${ascii(family)}${tag ? `+${tag}` : ''}@example.com`,
    street_address: place.street_address,
    postal_code: place.postal_code,
    city: place.city,
    ...(place.region !== undefined && { region: place.region }),
    country: market.country,
    phone: market.phone(),
  };
}

interface Product {
  name: string;
  reference: string;
  /** Euro cents. */
  price: number;
  type: 'physical' | 'digital';
  variants?: readonly string[];
}

const CATALOGUE: readonly Product[] = [
  { name: 'Merino wool sweater', reference: 'MW-SWEATER', price: 8900, type: 'physical', variants: ['navy, M', 'charcoal, L', 'forest green, S'] },
  { name: 'Organic cotton T-shirt', reference: 'OC-TEE', price: 2495, type: 'physical', variants: ['white, M', 'black, L', 'sand, S'] },
  { name: 'Trail running shoes', reference: 'TRAIL-RUN', price: 11900, type: 'physical', variants: ['EU 42', 'EU 39', 'EU 44'] },
  { name: 'Leather wallet', reference: 'LTH-WALLET', price: 4900, type: 'physical' },
  { name: 'Rain jacket', reference: 'RAIN-JKT', price: 13900, type: 'physical', variants: ['yellow, M', 'black, L'] },
  { name: 'Wool socks, 3-pack', reference: 'WOOL-SOCK3', price: 1995, type: 'physical' },
  { name: 'Canvas backpack', reference: 'CNV-BACKPACK', price: 7900, type: 'physical' },
  { name: 'Ceramic coffee mug', reference: 'CER-MUG', price: 1450, type: 'physical' },
  { name: 'Linen bed sheet set', reference: 'LIN-SHEET', price: 9900, type: 'physical' },
  { name: 'Scented candle, cedar', reference: 'CANDLE-CEDAR', price: 2200, type: 'physical' },
  { name: 'E-book: The Nordic Kitchen', reference: 'EBOOK-NORDIC', price: 1299, type: 'digital' },
];

/** A catalogue price (euro cents) in `market`'s currency, rounded the local way. */
export function localPrice(euroCents: number, market: Market): number {
  const major = (euroCents * market.priceFactor) / 100;
  if (market.rounding === 'whole') return (Math.max(1, Math.round(major / 10)) * 10 - 1) * 100;
  return Math.max(1, Math.round(major)) * 100 - 5;
}

export interface Line {
  type: 'physical' | 'digital' | 'shipping_fee' | 'sales_tax';
  reference: string;
  name: string;
  quantity: number;
  unit_price: number;
  tax_rate: number;
  total_amount: number;
  total_discount_amount?: number;
  total_tax_amount: number;
}

export interface Cart {
  purchase_country: string;
  purchase_currency: string;
  locale: string;
  order_amount: number;
  order_tax_amount: number;
  order_lines: Line[];
}

const vatOf = (total: number, rate: number): number => Math.round((total * rate) / (10000 + rate));

function line(type: Line['type'], reference: string, name: string, quantity: number, unitPrice: number, market: Market, discount = 0): Line {
  const total = quantity * unitPrice - discount;
  const rate = market.vat ?? 0;
  return {
    type,
    reference,
    name,
    quantity,
    unit_price: unitPrice,
    tax_rate: rate,
    total_amount: total,
    ...(discount > 0 && { total_discount_amount: discount }),
    total_tax_amount: vatOf(total, rate),
  };
}

/** A cart's totals from its lines (and, in the US, its sales-tax line added). */
export function cartOf(market: Market, lines: Line[]): Cart {
  const all = [...lines];
  if (market.vat === null) {
    const taxable = all.reduce((sum, l) => sum + l.total_amount, 0);
    const tax = Math.round((taxable * (market.salesTax ?? 0)) / 10000);
    all.push({ type: 'sales_tax', reference: 'SALES-TAX', name: 'Sales tax', quantity: 1, unit_price: tax, tax_rate: 0, total_amount: tax, total_tax_amount: 0 });
  }
  return {
    purchase_country: market.country,
    purchase_currency: market.currency,
    locale: market.locale,
    order_amount: all.reduce((sum, l) => sum + l.total_amount, 0),
    order_tax_amount: market.vat === null ? all.filter((l) => l.type === 'sales_tax').reduce((sum, l) => sum + l.total_amount, 0) : all.reduce((sum, l) => sum + l.total_tax_amount, 0),
    order_lines: all,
  };
}

/** A shop cart: 1–3 products (at least `minItems`), now and then a discount, shipping unless free. */
export function shopCart(random: Random, market: Market, minItems = 1): Cart {
  const count = Math.max(minItems, random.weighted([[1, 5], [2, 3], [3, 2]] as const));
  const products = random.shuffle(CATALOGUE).slice(0, count);
  const lines = products.map((product) => {
    const variant = product.variants ? random.pick(product.variants) : undefined;
    const quantity = product.type === 'physical' && random.chance(0.2) ? 2 : 1;
    const unit = localPrice(product.price, market);
    const discount = random.chance(0.15) ? Math.round((quantity * unit) / 10) : 0;
    return line(product.type, `${product.reference}${variant ? `-${variant.split(',')[0]?.toUpperCase().replace(/\s+/g, '')}` : ''}`, variant ? `${product.name}, ${variant}` : product.name, quantity, unit, market, discount);
  });
  const subtotal = lines.reduce((sum, l) => sum + l.total_amount, 0);
  if (lines.some((l) => l.type === 'physical') && subtotal < market.freeShippingFrom) lines.push(line('shipping_fee', 'SHIPPING', 'Standard delivery', 1, market.shippingFee, market));
  return cartOf(market, lines);
}

/** A subscription's monthly charge. */
export function subscriptionCart(market: Market, name: string, reference: string, euroCents: number): Cart {
  return cartOf(market, [line('digital', reference, name, 1, localPrice(euroCents, market), market)]);
}

/** The items of a cart (not shipping or tax), for captures and returns of some of them. */
export const itemLines = (cart: Cart): Line[] => cart.order_lines.filter((l) => l.type === 'physical' || l.type === 'digital');
