package launch

import (
	"context"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/pnyx-party/pnyx/chain"
	"github.com/pnyx-party/pnyx/modules/validator"
)

// validatorUpdates is the application as the node sees it: after each
// block it hands CometBFT the validator changes the block's validator/set
// transactions recorded (validator.UpdatesAt), which take effect two
// blocks later. It reads the block's working state, which FinalizeBlock
// has just written and Commit has not yet saved; it writes nothing, so the
// app hash is the application's alone.
type validatorUpdates struct{ *chain.App }

func (v validatorUpdates) FinalizeBlock(ctx context.Context, req *abci.RequestFinalizeBlock) (*abci.ResponseFinalizeBlock, error) {
	res, err := v.App.FinalizeBlock(ctx, req)
	if err != nil {
		return res, err
	}
	for _, u := range validator.UpdatesAt(v.Store(), req.Height) {
		res.ValidatorUpdates = append(res.ValidatorUpdates, abci.Ed25519ValidatorUpdate(u.PubKey, u.Power))
	}
	return res, nil
}
