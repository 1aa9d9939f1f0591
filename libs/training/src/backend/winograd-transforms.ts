/**
 * The transforms of Winograd's minimal filtering F(2×2,3×3) and of its gradients, as pure loops
 * over one Float32Array (in the kernels: the whole wasm heap) at float offsets. Source: Lavin &
 * Gray 2015, "Fast Algorithms for Convolutional Neural Networks", arXiv:1509.09308, §4.1, eq. 7:
 *
 *        ⎡1  0 −1  0⎤         ⎡ 1    0    0 ⎤
 *   Bᵀ = ⎢0  1  1  0⎥    G =  ⎢ ½    ½    ½ ⎥    Aᵀ = ⎡1 1  1  0⎤
 *        ⎢0 −1  1  0⎥         ⎢ ½   −½    ½ ⎥         ⎣0 1 −1 −1⎦
 *        ⎣0  1  0 −1⎦         ⎣ 0    0    1 ⎦
 *
 * Per 2×2 output tile Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, d the tile's 4×4 input patch (rows/cols
 * 2t−1 … 2t+2, i.e. 'same' padding of 1). Over channels the ⊙ becomes 16 independent GEMMs,
 * M_k[T,Co] = V_k[T,Ci] · U_k[Ci,Co] (k = 4·row + col of the 4×4 tile, T = tiles), which the
 * caller runs (winograd-conv.ts). The gradients follow from transposing each linear map:
 * dM = A dY Aᵀ, dU_k = V_kᵀ · dM_k, dg = Gᵀ dU G.
 *
 * Layouts (NHWC, float32): x [N,H,W,C] at `x`; a filter [3,3,Ci,Co] at `g`; each of the 16
 * transformed matrices is its own row-major matrix at offsets[k]. The tile grid is ⌈H/2⌉×⌈W/2⌉;
 * with odd H or W the last tile row/column reads zeros past the image and writes only what lies
 * inside it. Tile t of a chunk of images n0…n0+nImg−1 is ((n−n0)·⌈H/2⌉ + ty)·⌈W/2⌉ + tx.
 * Nothing allocates inside the loops: they run tens of millions of times per training step.
 */

/** Offsets (in floats) of the 16 transformed matrices, k = 4·row + col of the 4×4 tile. */
export type Offsets16 = ArrayLike<number>;

/** Image geometry for the tile loops. */
export interface TileGrid {
  H: number;
  W: number;
  /** Tile rows and columns: ⌈H/2⌉, ⌈W/2⌉. */
  TH: number;
  TW: number;
}

export function tileGrid(H: number, W: number): TileGrid {
  return { H, W, TH: (H + 1) >> 1, TW: (W + 1) >> 1 };
}

/**
 * U_k[ci,co] = (G g Gᵀ)_k for every (ci,co). `flip` reads the filter of the forward conv whose
 * input gradient this is: stored [3,3,Co,Ci] (its in/out are our out/in), tap (kh,kw) read at
 * (2−kh, 2−kw) — the identity dx = conv(dy, filter rotated 180° with in/out swapped).
 */
export function filterTransform(h: Float32Array, g: number, Ci: number, Co: number, flip: boolean, u: Offsets16): void {
  const u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3], u4 = u[4], u5 = u[5], u6 = u[6], u7 = u[7];
  const u8 = u[8], u9 = u[9], u10 = u[10], u11 = u[11], u12 = u[12], u13 = u[13], u14 = u[14], u15 = u[15];
  // Forward: tap k of (ci,co) at g + (k·Ci + ci)·Co + co, contiguous in co. Flipped: the stored
  // [8−k, co, ci] at g + ((8−k)·Co + co)·Ci + ci, stride Ci in co.
  const step = flip ? Ci : 1;
  for (let ci = 0; ci < Ci; ci++) {
    const tapAt = (k: number) => (flip ? g + (8 - k) * Co * Ci + ci : g + (k * Ci + ci) * Co);
    const q0 = tapAt(0), q1 = tapAt(1), q2 = tapAt(2), q3 = tapAt(3), q4 = tapAt(4);
    const q5 = tapAt(5), q6 = tapAt(6), q7 = tapAt(7), q8 = tapAt(8);
    for (let co = 0, j = 0; co < Co; co++, j += step) {
      const a00 = h[q0 + j], a01 = h[q1 + j], a02 = h[q2 + j];
      const a10 = h[q3 + j], a11 = h[q4 + j], a12 = h[q5 + j];
      const a20 = h[q6 + j], a21 = h[q7 + j], a22 = h[q8 + j];
      // G g: rows g0, (g0+g1+g2)/2, (g0−g1+g2)/2, g2
      const b00 = a00, b01 = a01, b02 = a02;
      const b10 = 0.5 * (a00 + a10 + a20), b11 = 0.5 * (a01 + a11 + a21), b12 = 0.5 * (a02 + a12 + a22);
      const b20 = 0.5 * (a00 - a10 + a20), b21 = 0.5 * (a01 - a11 + a21), b22 = 0.5 * (a02 - a12 + a22);
      const b30 = a20, b31 = a21, b32 = a22;
      const o = ci * Co + co;
      // (G g) Gᵀ, the same on each row
      h[u0 + o] = b00; h[u1 + o] = 0.5 * (b00 + b01 + b02); h[u2 + o] = 0.5 * (b00 - b01 + b02); h[u3 + o] = b02;
      h[u4 + o] = b10; h[u5 + o] = 0.5 * (b10 + b11 + b12); h[u6 + o] = 0.5 * (b10 - b11 + b12); h[u7 + o] = b12;
      h[u8 + o] = b20; h[u9 + o] = 0.5 * (b20 + b21 + b22); h[u10 + o] = 0.5 * (b20 - b21 + b22); h[u11 + o] = b22;
      h[u12 + o] = b30; h[u13 + o] = 0.5 * (b30 + b31 + b32); h[u14 + o] = 0.5 * (b30 - b31 + b32); h[u15 + o] = b32;
    }
  }
}

/**
 * V_k[t,ci] = (Bᵀ d B)_k for the tiles of images n0…n0+nImg−1 of x [N,H,W,Ci]. `zero` is the
 * offset of Ci zeros, read for the padding taps (cheaper than a branch per channel).
 */
export function inputTransform(h: Float32Array, x: number, zero: number, grid: TileGrid, Ci: number, n0: number, nImg: number, v: Offsets16): void {
  const { H, W, TH, TW } = grid;
  const src = new Int32Array(16);
  let t = 0;
  for (let n = n0; n < n0 + nImg; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let tx = 0; tx < TW; tx++, t++) {
        for (let r = 0; r < 4; r++) {
          const iy = 2 * ty - 1 + r;
          for (let q = 0; q < 4; q++) {
            const ix = 2 * tx - 1 + q;
            src[r * 4 + q] = iy < 0 || iy >= H || ix < 0 || ix >= W ? zero : x + ((n * H + iy) * W + ix) * Ci;
          }
        }
        const s0 = src[0], s1 = src[1], s2 = src[2], s3 = src[3], s4 = src[4], s5 = src[5], s6 = src[6], s7 = src[7];
        const s8 = src[8], s9 = src[9], s10 = src[10], s11 = src[11], s12 = src[12], s13 = src[13], s14 = src[14], s15 = src[15];
        const w = t * Ci;
        const v0 = v[0] + w, v1 = v[1] + w, v2 = v[2] + w, v3 = v[3] + w, v4 = v[4] + w, v5 = v[5] + w, v6 = v[6] + w, v7 = v[7] + w;
        const v8 = v[8] + w, v9 = v[9] + w, v10 = v[10] + w, v11 = v[11] + w, v12 = v[12] + w, v13 = v[13] + w, v14 = v[14] + w, v15 = v[15] + w;
        for (let c = 0; c < Ci; c++) {
          const d00 = h[s0 + c], d01 = h[s1 + c], d02 = h[s2 + c], d03 = h[s3 + c];
          const d10 = h[s4 + c], d11 = h[s5 + c], d12 = h[s6 + c], d13 = h[s7 + c];
          const d20 = h[s8 + c], d21 = h[s9 + c], d22 = h[s10 + c], d23 = h[s11 + c];
          const d30 = h[s12 + c], d31 = h[s13 + c], d32 = h[s14 + c], d33 = h[s15 + c];
          // Bᵀ d (rows): d0 − d2, d1 + d2, d2 − d1, d1 − d3
          const e00 = d00 - d20, e01 = d01 - d21, e02 = d02 - d22, e03 = d03 - d23;
          const e10 = d10 + d20, e11 = d11 + d21, e12 = d12 + d22, e13 = d13 + d23;
          const e20 = d20 - d10, e21 = d21 - d11, e22 = d22 - d12, e23 = d23 - d13;
          const e30 = d10 - d30, e31 = d11 - d31, e32 = d12 - d32, e33 = d13 - d33;
          // (Bᵀ d) B (columns), the same pattern
          h[v0 + c] = e00 - e02; h[v1 + c] = e01 + e02; h[v2 + c] = e02 - e01; h[v3 + c] = e01 - e03;
          h[v4 + c] = e10 - e12; h[v5 + c] = e11 + e12; h[v6 + c] = e12 - e11; h[v7 + c] = e11 - e13;
          h[v8 + c] = e20 - e22; h[v9 + c] = e21 + e22; h[v10 + c] = e22 - e21; h[v11 + c] = e21 - e23;
          h[v12 + c] = e30 - e32; h[v13 + c] = e31 + e32; h[v14 + c] = e32 - e31; h[v15 + c] = e31 - e33;
        }
      }
    }
  }
}

/**
 * out[n, 2ty+i, 2tx+j, co] = (Aᵀ M A)[i,j] + bias[co] for the chunk's tiles, from M_k[t,co] at
 * m[k]. `bias` is the offset of Co values (zeros for no bias). Outputs past an odd edge are not
 * written.
 */
export function outputTransform(h: Float32Array, m: Offsets16, out: number, bias: number, grid: TileGrid, Co: number, n0: number, nImg: number): void {
  const { H, W, TH, TW } = grid;
  let t = 0;
  for (let n = n0; n < n0 + nImg; n++) {
    for (let ty = 0; ty < TH; ty++) {
      const row1 = 2 * ty + 1 < H;
      for (let tx = 0; tx < TW; tx++, t++) {
        const col1 = 2 * tx + 1 < W;
        const r = t * Co;
        const m0 = m[0] + r, m1 = m[1] + r, m2 = m[2] + r, m3 = m[3] + r, m4 = m[4] + r, m5 = m[5] + r, m6 = m[6] + r, m7 = m[7] + r;
        const m8 = m[8] + r, m9 = m[9] + r, m10 = m[10] + r, m11 = m[11] + r, m12 = m[12] + r, m13 = m[13] + r, m14 = m[14] + r, m15 = m[15] + r;
        const y00 = out + ((n * H + 2 * ty) * W + 2 * tx) * Co;
        const y01 = y00 + Co;
        const y10 = y00 + W * Co;
        const y11 = y10 + Co;
        for (let c = 0; c < Co; c++) {
          const p00 = h[m0 + c], p01 = h[m1 + c], p02 = h[m2 + c], p03 = h[m3 + c];
          const p10 = h[m4 + c], p11 = h[m5 + c], p12 = h[m6 + c], p13 = h[m7 + c];
          const p20 = h[m8 + c], p21 = h[m9 + c], p22 = h[m10 + c], p23 = h[m11 + c];
          const p30 = h[m12 + c], p31 = h[m13 + c], p32 = h[m14 + c], p33 = h[m15 + c];
          // Aᵀ M (rows): m0 + m1 + m2, m1 − m2 − m3
          const a0 = p00 + p10 + p20, a1 = p01 + p11 + p21, a2 = p02 + p12 + p22, a3 = p03 + p13 + p23;
          const b0 = p10 - p20 - p30, b1 = p11 - p21 - p31, b2 = p12 - p22 - p32, b3 = p13 - p23 - p33;
          const bc = h[bias + c];
          h[y00 + c] = a0 + a1 + a2 + bc;
          // The edge tests are the same for the whole channel loop, so they cost ~nothing; even
          // sizes never fail them.
          if (col1) h[y01 + c] = a1 - a2 - a3 + bc;
          if (row1) {
            h[y10 + c] = b0 + b1 + b2 + bc;
            if (col1) h[y11 + c] = b1 - b2 - b3 + bc;
          }
        }
      }
    }
  }
}

/**
 * The input transform transposed, for the filter gradient's GEMM that contracts over tiles:
 * Vt_k[ci, t] (row length `tiles`, the chunk's tile count). `P` is caller-owned scratch of at
 * least 4·Ci·(2·TW+2) floats: one tile row of x made channel-major with its zero padding, so
 * that the inner loop reads contiguous memory.
 */
export function inputTransformTransposed(
  h: Float32Array,
  x: number,
  grid: TileGrid,
  Ci: number,
  n0: number,
  nImg: number,
  tiles: number,
  vt: Offsets16,
  P: Float32Array,
): void {
  const { H, W, TH, TW } = grid;
  const PW = 2 * TW + 2;
  const v0 = vt[0], v1 = vt[1], v2 = vt[2], v3 = vt[3], v4 = vt[4], v5 = vt[5], v6 = vt[6], v7 = vt[7];
  const v8 = vt[8], v9 = vt[9], v10 = vt[10], v11 = vt[11], v12 = vt[12], v13 = vt[13], v14 = vt[14], v15 = vt[15];
  for (let n = n0; n < n0 + nImg; n++) {
    for (let ty = 0; ty < TH; ty++) {
      for (let r = 0; r < 4; r++) {
        const iy = 2 * ty - 1 + r;
        const pr = r * Ci * PW;
        if (iy < 0 || iy >= H) {
          P.fill(0, pr, pr + Ci * PW);
          continue;
        }
        const row = x + (n * H + iy) * W * Ci;
        for (let c = 0; c < Ci; c++) {
          const pc = pr + c * PW;
          P[pc] = 0;
          // Right padding: one column for even W, two for odd (the last tile reaches W+1).
          for (let ix = W + 1; ix < PW; ix++) P[pc + ix] = 0;
          for (let ix = 0; ix < W; ix++) P[pc + 1 + ix] = h[row + ix * Ci + c];
        }
      }
      const tRow = ((n - n0) * TH + ty) * TW;
      // The butterfly below is inputTransform's, written out again on purpose: it is the innermost
      // loop, and a shared helper would take 16 values and 16 offsets per call.
      for (let c = 0; c < Ci; c++) {
        const p0 = c * PW, p1 = (Ci + c) * PW, p2 = (2 * Ci + c) * PW, p3 = (3 * Ci + c) * PW;
        const o = c * tiles + tRow;
        for (let tx = 0, q = 0; tx < TW; tx++, q += 2) {
          const d00 = P[p0 + q], d01 = P[p0 + q + 1], d02 = P[p0 + q + 2], d03 = P[p0 + q + 3];
          const d10 = P[p1 + q], d11 = P[p1 + q + 1], d12 = P[p1 + q + 2], d13 = P[p1 + q + 3];
          const d20 = P[p2 + q], d21 = P[p2 + q + 1], d22 = P[p2 + q + 2], d23 = P[p2 + q + 3];
          const d30 = P[p3 + q], d31 = P[p3 + q + 1], d32 = P[p3 + q + 2], d33 = P[p3 + q + 3];
          const e00 = d00 - d20, e01 = d01 - d21, e02 = d02 - d22, e03 = d03 - d23;
          const e10 = d10 + d20, e11 = d11 + d21, e12 = d12 + d22, e13 = d13 + d23;
          const e20 = d20 - d10, e21 = d21 - d11, e22 = d22 - d12, e23 = d23 - d13;
          const e30 = d10 - d30, e31 = d11 - d31, e32 = d12 - d32, e33 = d13 - d33;
          const w = o + tx;
          h[v0 + w] = e00 - e02; h[v1 + w] = e01 + e02; h[v2 + w] = e02 - e01; h[v3 + w] = e01 - e03;
          h[v4 + w] = e10 - e12; h[v5 + w] = e11 + e12; h[v6 + w] = e12 - e11; h[v7 + w] = e11 - e13;
          h[v8 + w] = e20 - e22; h[v9 + w] = e21 + e22; h[v10 + w] = e22 - e21; h[v11 + w] = e21 - e23;
          h[v12 + w] = e30 - e32; h[v13 + w] = e31 + e32; h[v14 + w] = e32 - e31; h[v15 + w] = e31 - e33;
        }
      }
    }
  }
}

/**
 * dM_k[t,co] = (A dY Aᵀ)_k, the output transform's transpose, for the chunk's tiles of dy
 * [N,H,W,Co]. `zero` is the offset of Co zeros, read for the outputs past an odd edge.
 */
export function outputGradTransform(h: Float32Array, dy: number, zero: number, grid: TileGrid, Co: number, n0: number, nImg: number, m: Offsets16): void {
  const { H, W, TH, TW } = grid;
  const m0 = m[0], m1 = m[1], m2 = m[2], m3 = m[3], m4 = m[4], m5 = m[5], m6 = m[6], m7 = m[7];
  const m8 = m[8], m9 = m[9], m10 = m[10], m11 = m[11], m12 = m[12], m13 = m[13], m14 = m[14], m15 = m[15];
  let t = 0;
  for (let n = n0; n < n0 + nImg; n++) {
    for (let ty = 0; ty < TH; ty++) {
      const row1 = 2 * ty + 1 < H;
      for (let tx = 0; tx < TW; tx++, t++) {
        const col1 = 2 * tx + 1 < W;
        const y00 = dy + ((n * H + 2 * ty) * W + 2 * tx) * Co;
        const y01 = col1 ? y00 + Co : zero;
        const y10 = row1 ? y00 + W * Co : zero;
        const y11 = row1 && col1 ? y00 + (W + 1) * Co : zero;
        const w = t * Co;
        for (let c = 0; c < Co; c++) {
          const a = h[y00 + c], b = h[y01 + c], cc = h[y10 + c], d = h[y11 + c];
          // A dY (rows): (a,b), (a+c, b+d), (a−c, b−d), (−c, −d); then the same on columns.
          const r10 = a + cc, r11 = b + d, r20 = a - cc, r21 = b - d;
          h[m0 + w + c] = a; h[m1 + w + c] = a + b; h[m2 + w + c] = a - b; h[m3 + w + c] = -b;
          h[m4 + w + c] = r10; h[m5 + w + c] = r10 + r11; h[m6 + w + c] = r10 - r11; h[m7 + w + c] = -r11;
          h[m8 + w + c] = r20; h[m9 + w + c] = r20 + r21; h[m10 + w + c] = r20 - r21; h[m11 + w + c] = -r21;
          h[m12 + w + c] = -cc; h[m13 + w + c] = -cc - d; h[m14 + w + c] = d - cc; h[m15 + w + c] = d;
        }
      }
    }
  }
}

/**
 * dW[kh,kw,i] = (Gᵀ dU G)[kh,kw] for each of the CC = Ci·Co entries i, the filter transform's
 * transpose; dU_k [Ci,Co] at a[k], dW [3,3,Ci,Co] at `dW`.
 */
export function filterGradTransform(h: Float32Array, a: Offsets16, dW: number, CC: number): void {
  const a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7];
  const a8 = a[8], a9 = a[9], a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14], a15 = a[15];
  for (let i = 0; i < CC; i++) {
    const u00 = h[a0 + i], u01 = h[a1 + i], u02 = h[a2 + i], u03 = h[a3 + i];
    const u10 = h[a4 + i], u11 = h[a5 + i], u12 = h[a6 + i], u13 = h[a7 + i];
    const u20 = h[a8 + i], u21 = h[a9 + i], u22 = h[a10 + i], u23 = h[a11 + i];
    const u30 = h[a12 + i], u31 = h[a13 + i], u32 = h[a14 + i], u33 = h[a15 + i];
    // Gᵀ dU (rows): u0 + (u1+u2)/2, (u1−u2)/2, (u1+u2)/2 + u3; then the same on columns.
    const s00 = u00 + 0.5 * (u10 + u20), s01 = u01 + 0.5 * (u11 + u21), s02 = u02 + 0.5 * (u12 + u22), s03 = u03 + 0.5 * (u13 + u23);
    const s10 = 0.5 * (u10 - u20), s11 = 0.5 * (u11 - u21), s12 = 0.5 * (u12 - u22), s13 = 0.5 * (u13 - u23);
    const s20 = 0.5 * (u10 + u20) + u30, s21 = 0.5 * (u11 + u21) + u31, s22 = 0.5 * (u12 + u22) + u32, s23 = 0.5 * (u13 + u23) + u33;
    h[dW + i] = s00 + 0.5 * (s01 + s02); h[dW + CC + i] = 0.5 * (s01 - s02); h[dW + 2 * CC + i] = 0.5 * (s01 + s02) + s03;
    h[dW + 3 * CC + i] = s10 + 0.5 * (s11 + s12); h[dW + 4 * CC + i] = 0.5 * (s11 - s12); h[dW + 5 * CC + i] = 0.5 * (s11 + s12) + s13;
    h[dW + 6 * CC + i] = s20 + 0.5 * (s21 + s22); h[dW + 7 * CC + i] = 0.5 * (s21 - s22); h[dW + 8 * CC + i] = 0.5 * (s21 + s22) + s23;
  }
}
