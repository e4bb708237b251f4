package node

// StoredAndRecent returns block height as read from the stores and, when
// it is still in memory, as the followers get it from there.
func (n *Node) StoredAndRecent(height int64) (stored, recent *CommittedBlock, err error) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if height, err = n.checkHeight(height); err != nil {
		return nil, nil, err
	}
	stored, err = n.storedBlock(height)
	return stored, n.recent.get(height), err
}
