import autocannon from 'autocannon';
const base = process.argv[2];
const auth = 'Basic ' + Buffer.from('bench:bench').toString('base64');
const amount = 200000000, tax = 40000000;
const body = { purchase_country:'SE', purchase_currency:'SEK', locale:'sv-SE', order_amount: amount, order_tax_amount: tax,
  order_lines:[{type:'physical',reference:'SKU-1',name:'x',quantity:1,unit_price:amount,tax_rate:2500,total_amount:amount,total_tax_amount:tax}] };
const ids = [];
for (let i=0;i<300;i++){ const r = await fetch(base+'/sandbox/v1/orders',{method:'POST',headers:{authorization:auth,'content-type':'application/json'},body:JSON.stringify(body)}); ids.push((await r.json()).order_id); }
let n=0;
const res = await autocannon({ url: base, connections: 32, duration: 8, headers:{authorization:auth,'content-type':'application/json'},
  requests:[{method:'POST', body: JSON.stringify({captured_amount:1}), setupRequest:(r)=>({...r, path:`/ordermanagement/v1/orders/${ids[n++%ids.length]}/captures`})}]});
console.log('rps', res.requests.average, 'p99', res.latency.p99, 'non2xx', res.non2xx);
